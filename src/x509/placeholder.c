/* placeholder so the module library has a source until its files land */
typedef int tp_x509_placeholder_t;
