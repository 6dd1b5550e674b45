# Results out: the output stream (tf_output_write, tf_output_flush, tf_output) on a port of a
# virtio console, driven at CPL3 through the virtio PCI transport of src/pci.
list(APPEND TF_RUNTIME_SOURCES io/output.c io/virtio_console.c io/console_control.c)
list(APPEND TF_RUNTIME_INCLUDES io)
