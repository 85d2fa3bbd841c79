/* SPDX-License-Identifier: ISC */
/*
 * trivial: the ceiling of nginx and FastCGI on this machine.  A libfcgi
 * responder with the endpoints' thread model (IGCONNECT_THREADS threads
 * in FCGX_Accept_r on one socket) that answers every request with the
 * same 200-byte JSON and does nothing else.
 *
 *	bench/trivial SOCKET
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcgiapp.h>

#define MAX_THREADS	256

/* 200 bytes of body, the size of a small connection object. */
static const char	reply[] =
    "Status: 200 OK\r\n"
    "Content-Type: application/json\r\n"
    "Cache-Control: no-store\r\n\r\n"
    "{\"id\":\"5b0e7a2c-3d1f-4c8e-9a61-2f7d4b9c0e11\",\"provider\":"
    "\"instagram\",\"status\":\"connected\",\"username\":\"ben\","
    "\"expiresAt\":\"2027-01-20T17:37:56Z\",\"needsRefresh\":false,"
    "\"scopes\":[\"instagram_business_basic\"]}";

static int	listen_fd;

static void *
serve(void *arg)
{
	FCGX_Request	req;

	(void)arg;
	if (FCGX_InitRequest(&req, listen_fd, 0) != 0)
		return NULL;
	while (FCGX_Accept_r(&req) == 0) {
		FCGX_PutStr(reply, (int)sizeof(reply) - 1, req.out);
		FCGX_Finish_r(&req);
	}
	return NULL;
}

int
main(int argc, char *argv[])
{
	pthread_t	 th[MAX_THREADS];
	const char	*t = getenv("IGCONNECT_THREADS");
	long		 n = t != NULL ? strtol(t, NULL, 10) : 8;
	long		 i;

	if (argc != 2) {
		fprintf(stderr, "usage: trivial SOCKET\n");
		return 2;
	}
	if (n < 1 || n > MAX_THREADS)
		n = 8;
	if (FCGX_Init() != 0 || (listen_fd = FCGX_OpenSocket(argv[1], 128)) < 0) {
		fprintf(stderr, "trivial: cannot listen on %s\n", argv[1]);
		return 1;
	}
	for (i = 0; i < n; i++)
		if (pthread_create(&th[i], NULL, serve, NULL) != 0)
			return 1;
	for (i = 0; i < n; i++)
		pthread_join(th[i], NULL);
	return 0;
}
