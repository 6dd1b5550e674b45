/* hello: prints what the machine looks like from inside a taskfarm image, then exits 0.
 *
 *   tools/tf-run build/examples/hello/hello -- any arguments you like */
#include <taskfarm.h>

#include <cpuid.h>
#include <stdio.h>
#include <string.h>

static void cpu_names(char vendor[13], char brand[49])
{
    unsigned r[4] = {0};
    __cpuid(0, r[0], r[1], r[3], r[2]);
    memcpy(vendor, &r[1], 12);
    vendor[12] = '\0';
    brand[0] = '\0';
    if (__get_cpuid_max(0x80000000, NULL) >= 0x80000004) {
        for (unsigned i = 0; i < 3; i++) {
            __cpuid(0x80000002 + i, r[0], r[1], r[2], r[3]);
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
