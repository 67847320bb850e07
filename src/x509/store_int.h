/* The trust store's layout, private to the x509 module. */
#ifndef TP_STORE_INT_H
#define TP_STORE_INT_H
#include "tlsprobe/x509.h"

struct tp_store {
    struct tp_cert_info **roots;   /* trust anchors */
    size_t n_roots;
    struct tp_cert_info **inters;  /* candidates only (--intermediates), never anchors */
    size_t n_inters;
    char *desc;
};

#endif
