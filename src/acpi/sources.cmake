# ACPI at CPL3: the parsers of the RSDP, RSDT/XSDT, MADT, MCFG and of the PCI host bridge's
# windows in the DSDT, over bytes handed to them (pure C: they see no other folder).
tf_layer(acpi SOURCES acpi/acpi.c acpi/aml.c acpi/madt.c acpi/mcfg.c acpi/pcihost.c acpi/sleep.c)
