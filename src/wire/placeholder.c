/* placeholder so the module library has a source until its files land */
typedef int tp_wire_placeholder_t;
