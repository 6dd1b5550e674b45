# PCI at CPL3: configuration space (0xCF8 and ECAM through the core), BARs, MSI-X, the virtio 1.0
# PCI transport with its split virtqueues, and what the ACPI tables say about the host bridge
# (pci_acpi.c).
tf_layer(pci SOURCES pci/pci.c pci/virtio_pci.c pci/virtqueue.c pci/pci_acpi.c USES acpi boot)
# the core reaches configuration space for CPL3 (pci_regs.h)
list(APPEND TF_KERNEL_INCLUDES pci)
