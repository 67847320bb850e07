#include <stdio.h>
#include "cli.h"

const char tp_usage_explain[] = "usage: tlsprobe explain ... (not implemented yet)\n";

int tp_cmd_explain(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return tp_cli_fail("'explain' is not implemented yet");
}
