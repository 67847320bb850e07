#include <stdio.h>
#include "cli.h"

const char tp_usage_demo[] = "usage: tlsprobe demo ... (not implemented yet)\n";

int tp_cmd_demo(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return tp_cli_fail("'demo' is not implemented yet");
}
