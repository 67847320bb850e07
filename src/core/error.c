#include "tlsprobe/error.h"

static const char *const names[] = {
#define TP_ERR_NAME(name, text) #name,
    TP_ERROR_LIST(TP_ERR_NAME)
#undef TP_ERR_NAME
};
static const char *const texts[] = {
#define TP_ERR_TEXT(name, text) text,
    TP_ERROR_LIST(TP_ERR_TEXT)
#undef TP_ERR_TEXT
};

const char *tp_err_name(enum tp_err e)
{
    return (unsigned)e < TP_ERR__COUNT ? names[e] : "TP_ERR_UNKNOWN";
}

const char *tp_err_text(enum tp_err e)
{
    return (unsigned)e < TP_ERR__COUNT ? texts[e] : "unknown error";
}
