/* nslookup for the testbed's busybox:1.28 image, built with gcc -Os -static.
 *
 * Debian 12's busybox is 1.35, whose nslookup sends its own queries and applies
 * the resolv.conf search list only to names without a dot (no ndots): in a pod,
 * `nslookup kubernetes.default` fails with REFUSED. busybox 1.28's nslookup used
 * the libc resolver (search list + ndots:5, as the kubelet writes them), which is
 * why the Kubernetes DNS docs and tutorials ask for busybox:1.28. This program
 * behaves like that one and prints the same format:
 *
 *   Server:    10.96.0.10
 *   Address 1: 10.96.0.10 kube-dns.kube-system.svc.cluster.local
 *
 *   Name:      kubernetes.default
 *   Address 1: 10.96.0.1 kubernetes.default.svc.cluster.local
 *
 * and "nslookup: can't resolve 'NAME'" with exit status 1 when the name does not
 * resolve. Usage: nslookup HOST [DNS_SERVER]. */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static void usage(void) {
	fputs("Usage: nslookup HOST [DNS_SERVER]\n\nQuery the nameserver for the IP address of the given HOST\n"
	      "optionally using a specified DNS server\n",
	      stderr);
	exit(1);
}

/* "Name:      HOST" and one "Address N: IP [REVERSE-NAME]" line per address */
static int print_host(const char *host, const char *header) {
	struct addrinfo hint, *res = NULL, *cur;
	unsigned n = 0;
	int rc;

	memset(&hint, 0, sizeof hint);
	hint.ai_family = AF_UNSPEC;
	hint.ai_socktype = SOCK_STREAM; /* one entry per address, not one per socket type */
	rc = getaddrinfo(host, NULL, &hint, &res);
	if (rc != 0) {
		fflush(stdout);
		fprintf(stderr, "nslookup: can't resolve '%s'\n", host);
		return 1;
	}
	printf("%-10s %s\n", header, host);
	for (cur = res; cur; cur = cur->ai_next) {
		char ip[INET6_ADDRSTRLEN] = "?", name[NI_MAXHOST];
		getnameinfo(cur->ai_addr, cur->ai_addrlen, ip, sizeof ip, NULL, 0, NI_NUMERICHOST);
		if (getnameinfo(cur->ai_addr, cur->ai_addrlen, name, sizeof name, NULL, 0, NI_NAMEREQD) == 0)
			printf("Address %u: %s %s\n", ++n, ip, name);
		else
			printf("Address %u: %s\n", ++n, ip);
	}
	freeaddrinfo(res);
	return 0;
}

/* use SERVER instead of resolv.conf's nameservers (IPv4, port 53) */
static void set_server(const char *server) {
	struct addrinfo hint, *res = NULL;

	memset(&hint, 0, sizeof hint);
	hint.ai_family = AF_INET;
	hint.ai_flags = AI_NUMERICHOST;
	if (getaddrinfo(server, NULL, &hint, &res) != 0) {
		hint.ai_flags = 0;
		if (getaddrinfo(server, NULL, &hint, &res) != 0) {
			fprintf(stderr, "nslookup: bad address '%s'\n", server);
			exit(1);
		}
	}
	memcpy(&_res.nsaddr_list[0], res->ai_addr, sizeof(struct sockaddr_in));
	_res.nsaddr_list[0].sin_port = htons(53);
	_res.nscount = 1;
	freeaddrinfo(res);
}

int main(int argc, char **argv) {
	char server[INET6_ADDRSTRLEN] = "";

	if (argc < 2 || argc > 3 || argv[1][0] == '-')
		usage();
	res_init();
	if (argc == 3)
		set_server(argv[2]);
	if (_res.nscount > 0 && _res.nsaddr_list[0].sin_family == AF_INET)
		inet_ntop(AF_INET, &_res.nsaddr_list[0].sin_addr, server, sizeof server);
	else
		strcpy(server, "127.0.0.1");
	print_host(server, "Server:");
	putchar('\n');
	/* the server lookup may have re-read resolv.conf: the explicit server again */
	if (argc == 3)
		set_server(argv[2]);
	return print_host(argv[1], "Name:");
}
