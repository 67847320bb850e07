/* Judge a certificate chain file for a host name with libtlsprobe, as
 * `tlsprobe check --chain CHAIN --host HOST [--cafile CAFILE]` does.
 *
 *   cc check_chain.c $(pkg-config --cflags --libs tlsprobe) -o check_chain
 *   ./check_chain fullchain.pem www.example.com [root.pem] [--json]
 *
 * Prints the verdict and one line per finding (id, severity, title), or with
 * --json the report as `tlsprobe check --format json` prints it. Exit status:
 * 0 OK, 1 a finding of severity error, 2 the chain could not be judged. */
#include <stdio.h>
#include <string.h>
#include <tlsprobe/tlsprobe.h>

static const char *severity_name(int sev)
{
    return sev == TLSPROBE_SEVERITY_ERROR ? "error" : sev == TLSPROBE_SEVERITY_WARNING ? "warning" : "info";
}

int main(int argc, char **argv)
{
    int json = argc > 1 && !strcmp(argv[argc - 1], "--json");
    if (json)
        argc--;
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: %s CHAIN HOST [CAFILE] [--json]\n", argv[0]);
        return 2;
    }
    tlsprobe_options *opts = tlsprobe_options_new();
    if (!opts || (argc == 4 && tlsprobe_options_set_cafile(opts, argv[3]) != TLSPROBE_OK)) {
        fprintf(stderr, "check_chain: cannot set the options\n");
        tlsprobe_options_free(opts);
        return 2;
    }
    tlsprobe_result *res = NULL;
    int rc = tlsprobe_check_chain(argv[1], argv[2], opts, &res);
    tlsprobe_options_free(opts);
    if (rc != TLSPROBE_OK) {
        const char *why = tlsprobe_result_error(res);
        fprintf(stderr, "check_chain: %s\n", why ? why : tlsprobe_strerror(rc));
        tlsprobe_result_free(res);
        return 2;
    }
    if (json) {
        const char *line = tlsprobe_result_json(res);
        fputs(line ? line : "", stdout);
    } else {
        printf("libtlsprobe %s: %s\n", tlsprobe_version(),
               tlsprobe_result_verdict(res) == TLSPROBE_VERDICT_OK ? "OK" : "FAIL");
        for (size_t i = 0; i < tlsprobe_result_findings(res); i++)
            printf("%s %s: %s\n", severity_name(tlsprobe_result_finding_severity(res, i)),
                   tlsprobe_result_finding_id(res, i), tlsprobe_result_finding_title(res, i));
    }
    int status = tlsprobe_result_verdict(res);
    tlsprobe_result_free(res);
    return status;
}
