#include <stdio.h>
#include "cli.h"

const char tp_usage_connect[] = "usage: tlsprobe connect ... (not implemented yet)\n";

int tp_cmd_connect(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return tp_cli_fail("'connect' is not implemented yet");
}
