#include <stdio.h>
#include "cli.h"

const char tp_usage_check[] = "usage: tlsprobe check ... (not implemented yet)\n";

int tp_cmd_check(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return tp_cli_fail("'check' is not implemented yet");
}
