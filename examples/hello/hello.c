/* hello: prints what the machine looks like from inside a taskfarm image, then exits 0.
 *
 *   tools/tf-run build/examples/hello/hello -- any arguments you like */
#include <taskfarm.h>

#include <stdio.h>
#include <string.h>

/* The virtual CPU's vendor and brand strings (CPUID leaves 0 and 0x80000002-4). */
static void cpu_names(char vendor[13], char brand[49])
{
    uint32_t r[4];
    tf_cpuid(0, 0, r);
    memcpy(vendor, &r[1], 4); /* EBX, EDX, ECX */
    memcpy(vendor + 4, &r[3], 4);
    memcpy(vendor + 8, &r[2], 4);
    vendor[12] = '\0';
    brand[0] = '\0';
    tf_cpuid(0x80000000, 0, r);
    if (r[0] >= 0x80000004) {
        for (unsigned i = 0; i < 3; i++) {
            tf_cpuid(0x80000002 + i, 0, r);
            memcpy(brand + 16 * i, r, 16);
        }
        brand[48] = '\0';
    }
}

int main(int argc, char **argv)
{
    char vendor[13], brand[49];
    cpu_names(vendor, brand);
    printf("hello from taskfarm\n");
    printf("cpu: %s %s\n", vendor, brand);
    printf("memory: %llu MiB available, %llu MiB heap\n",
           (unsigned long long)(tf_memory_bytes() >> 20),
           (unsigned long long)(tf_heap_free_bytes() >> 20));
    printf("boot to main: %llu us\n", (unsigned long long)(tf_boot_ns() / 1000));
    printf("argc: %d\n", argc);
    for (int i = 0; i < argc; i++)
        printf("argv[%d]: %s\n", i, argv[i]);
    return 0;
}
