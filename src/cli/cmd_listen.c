#include <stdio.h>
#include "cli.h"

const char tp_usage_listen[] = "usage: tlsprobe listen ... (not implemented yet)\n";

int tp_cmd_listen(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return tp_cli_fail("'listen' is not implemented yet");
}
