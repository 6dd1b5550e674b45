# Results out: the output stream (tf_output_write, tf_output_flush, tf_output) on a port of a
# virtio console, driven at CPL3 through the virtio PCI transport of src/pci.
tf_layer(io SOURCES io/output.c io/virtio_console.c io/console_control.c USES pci boot)
