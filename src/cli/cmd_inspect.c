#include <stdio.h>
#include "cli.h"

const char tp_usage_inspect[] = "usage: tlsprobe inspect ... (not implemented yet)\n";

int tp_cmd_inspect(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return tp_cli_fail("'inspect' is not implemented yet");
}
