#include <stdio.h>
#include "cli.h"

const char tp_usage_pcap[] = "usage: tlsprobe pcap ... (not implemented yet)\n";

int tp_cmd_pcap(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return tp_cli_fail("'pcap' is not implemented yet");
}



const char tp_usage_sniff[] = "usage: tlsprobe sniff ... (not implemented yet)\n";

int tp_cmd_sniff(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    return tp_cli_fail("'sniff' is not implemented yet");
}
