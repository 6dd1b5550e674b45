# ACPI at CPL3: RSDP, RSDT/XSDT, MADT, MCFG, and the PCI host bridge's windows from the DSDT.
list(APPEND TF_RUNTIME_SOURCES
  acpi/acpi.c acpi/madt.c acpi/mcfg.c acpi/pcihost.c acpi/pci_acpi.c)
list(APPEND TF_RUNTIME_INCLUDES acpi)
