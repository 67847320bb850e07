/* Explain an error message from a TLS stack with libtlsprobe, as
 * `tlsprobe explain "MESSAGE"` does.
 *
 *   cc explain.c $(pkg-config --cflags --libs tlsprobe) -o explain
 *   ./explain "x509: certificate signed by unknown authority" [STACK]
 *
 * Prints the finding the message stands for (id and title), then the full text
 * report (with STACK's fix when given: go, openssl, curl, python, node, java,
 * dotnet, gnutls, browser). Exit status 0, or 2 for a bad argument. */
#include <stdio.h>
#include <tlsprobe/tlsprobe.h>

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 3) {
        fprintf(stderr, "usage: %s MESSAGE [STACK]\n", argv[0]);
        return 2;
    }
    tlsprobe_options *opts = tlsprobe_options_new();
    int rc = opts ? TLSPROBE_OK : TLSPROBE_ERR_NOMEM;
    if (rc == TLSPROBE_OK && argc == 3)
        rc = tlsprobe_options_set_stack(opts, argv[2]);
    tlsprobe_result *res = NULL;
    if (rc == TLSPROBE_OK)
        rc = tlsprobe_explain(argv[1], opts, &res);
    tlsprobe_options_free(opts);
    if (rc != TLSPROBE_OK) {
        const char *why = tlsprobe_result_error(res);
        fprintf(stderr, "explain: %s\n", why ? why : tlsprobe_strerror(rc));
        tlsprobe_result_free(res);
        return 2;
    }
    if (tlsprobe_result_findings(res))
        printf("finding: %s: %s\n", tlsprobe_result_finding_id(res, 0), tlsprobe_result_finding_title(res, 0));
    else
        printf("finding: none (the message is not recognised)\n");
    const char *text = tlsprobe_result_text(res);
    fputs(text ? text : "", stdout);
    tlsprobe_result_free(res);
    return 0;
}
