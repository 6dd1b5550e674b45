# PCI at CPL3: configuration space (0xCF8 and ECAM through the core), BARs, MSI-X, and the virtio
# 1.0 PCI transport with its split virtqueues.
list(APPEND TF_RUNTIME_SOURCES pci/pci.c pci/virtio_pci.c pci/virtqueue.c)
list(APPEND TF_RUNTIME_INCLUDES pci)
list(APPEND TF_KERNEL_INCLUDES pci)
