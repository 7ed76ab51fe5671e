/* pause: the pod sandbox process of the kdrill testbed (registry.k8s.io/pause
 * stand-in). Sleeps until SIGINT/SIGTERM and reaps children. Built with
 * gcc -Os -static. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

static void sigdown(int signo) {
	psignal(signo, "Shutting down, got signal");
	exit(0);
}

static void sigreap(int signo) {
	(void)signo;
	while (waitpid(-1, NULL, WNOHANG) > 0)
		;
}

int main(int argc, char **argv) {
	if (argc > 1 && strcmp(argv[1], "-v") == 0) {
		printf("pause.c kdrill-testbed\n");
		return 0;
	}
	if (getpid() != 1)
		fprintf(stderr, "Warning: pause should be the first process\n");
	struct sigaction s;
	memset(&s, 0, sizeof(s));
	s.sa_handler = sigdown;
	if (sigaction(SIGINT, &s, NULL) < 0 || sigaction(SIGTERM, &s, NULL) < 0)
		return 1;
	s.sa_handler = sigreap;
	s.sa_flags = SA_NOCLDSTOP;
	if (sigaction(SIGCHLD, &s, NULL) < 0)
		return 2;
	for (;;)
		pause();
	return 42;
}
