# bash completion for tlsprobe(1)                              -*- shell-script -*-
#
# Installed as share/bash-completion/completions/tlsprobe (loaded on demand by
# bash-completion). The option lists are each command's `tlsprobe CMD --help`;
# tests/integration/test_completions.sh fails when they drift apart.

_tlsprobe_commands="demo connect listen pcap sniff inspect check explain scan help version"

# The options of each command, as its --help lists them (common ones included).
_tlsprobe_options()
{
    local tail_all="--format --no-color -h --help --version"
    case $1 in
        demo) echo "--list --keep --brief --timeout $tail_all" ;;
        connect)
            echo "--servername --no-sni --cafile --capath --intermediates --no-aia --check-revocation --cert --key --pass" \
                "--tls1.2 --tls1.3 --alpn --starttls --proxy --noproxy --timeout --write-pcap --keylog --at --stack --targets" \
                "--all-addresses -j --jobs --explain $tail_all"
            ;;
        listen)
            echo "--cert --key --pass --chain --client-ca --request-client-cert --require-client-cert --alpn" \
                "--tls1.2 --tls1.3 --count --linger --no-http --timeout --write-pcap --keylog --at --stack" \
                "--explain $tail_all"
            ;;
        pcap)
            echo "--keylog --filter --session --server --sni --cafile --capath --at --max-flows" \
                "--max-flow-memory --shard --key --pass --psk --no-summary --explain $tail_all"
            ;;
        sniff)
            echo "-i --interface --filter --count --keylog --server --sni --cafile --capath --at" \
                "--max-flows --max-flow-memory --shard --key --pass --psk -Z --relinquish-privileges --no-summary --explain $tail_all"
            ;;
        inspect) echo "--pass $tail_all" ;;
        check)
            echo "--chain --key --host --cafile --intermediates --aia --max-depth --at --purpose" \
                "--save-chain --ocsp-response --crl --check-revocation --stack --explain $tail_all"
            ;;
        explain) echo "--stack --side $tail_all" ;;
        scan) echo "--servername -j --jobs --timeout --probe-timeout $tail_all" ;;
    esac
}

# The values of --format for each command.
_tlsprobe_formats()
{
    case $1 in
        inspect | check | explain | scan) echo "text json" ;;
        *) echo "text json mermaid html ecs" ;;
    esac
}

# Scenario names from the installed binary itself (first word of each line).
_tlsprobe_scenarios()
{
    "$1" demo --list 2>/dev/null | awk '{ print $1 }'
    echo all
}

_tlsprobe()
{
    local cur prev words cword split
    _init_completion -s || return

    # The command: the first word after "tlsprobe" that is not an option.
    local cmd="" i
    for ((i = 1; i < cword; i++)); do
        if [[ ${words[i]} != -* ]]; then
            cmd=${words[i]}
            break
        fi
    done

    if [[ -z $cmd ]]; then
        if [[ $cur == -* ]]; then
            COMPREPLY=($(compgen -W "-h --help --version" -- "$cur"))
        else
            COMPREPLY=($(compgen -W "$_tlsprobe_commands" -- "$cur"))
        fi
        return
    fi

    # The value of an option that takes one.
    case $prev in
        --cafile | --cert | --key | --chain | --client-ca | --keylog | --write-pcap | --save-chain | --targets | --ocsp-response | --crl)
            _filedir
            return
            ;;
        --capath | --keep)
            _filedir -d
            return
            ;;
        --intermediates)
            _filedir
            return
            ;;
        --format)
            COMPREPLY=($(compgen -W "$(_tlsprobe_formats "$cmd")" -- "$cur"))
            return
            ;;
        --stack)
            COMPREPLY=($(compgen -W "go openssl curl python node java dotnet gnutls browser" -- "$cur"))
            return
            ;;
        --purpose)
            COMPREPLY=($(compgen -W "server client" -- "$cur"))
            return
            ;;
        --side)
            COMPREPLY=($(compgen -W "client server" -- "$cur"))
            return
            ;;
        --starttls)
            COMPREPLY=($(compgen -W "smtp imap pop3 ftp ldap postgres mysql xmpp nntp sieve none" -- "$cur"))
            return
            ;;
        -i | --interface)
            local ifs
            ifs=$(command ls /sys/class/net 2>/dev/null)
            COMPREPLY=($(compgen -W "$ifs any" -- "$cur"))
            return
            ;;
        -Z | --relinquish-privileges)
            COMPREPLY=($(compgen -u -- "$cur"))
            return
            ;;
        --servername | --host | --sni)
            _known_hosts_real -- "$cur"
            return
            ;;
        --timeout | --alpn | --at | --count | --linger | --filter | --session | --server | \
            --max-flows | --max-flow-memory | --max-depth | --pass | -j | --jobs | --probe-timeout | --proxy | --noproxy | --shard | --psk)
            return # a number, a time, a list or a filter: nothing to offer
            ;;
    esac
    $split && return

    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(_tlsprobe_options "$cmd")" -- "$cur"))
        return
    fi

    # Operands.
    case $cmd in
        demo) COMPREPLY=($(compgen -W "$(_tlsprobe_scenarios "$1")" -- "$cur")) ;;
        connect | scan) _known_hosts_real -- "$cur" ;;
        pcap | inspect) _filedir ;;
        help) COMPREPLY=($(compgen -W "${_tlsprobe_commands% help version}" -- "$cur")) ;;
    esac
} &&
    complete -F _tlsprobe tlsprobe

# ex: filetype=sh
