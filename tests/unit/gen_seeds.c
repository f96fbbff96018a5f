// SPDX-License-Identifier: GPL-2.0
/*
 * Write the unit-test vectors (vectors.h) as the fuzzer's seed corpus: one
 * file per vector in the directory given as argument, plus the two
 * largest messages and two scripts for the fuzzer's builder check.
 */
#include <stdio.h>
#include <stdlib.h>

#include "convert.h"
#include "vectors.h"

static void put(const char *dir, const char *name, const u8 *buf, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f)) {
		perror(path);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	/* builder scripts: byte 0 = capacity / 9 << 1 | reply, then op, len, bytes */
	static const u8 build_reply[] = {
		0xff,
		2, 4, 0x02, 0x04, 0x05, 0xb4,		/* Extended TCP Header: MSS */
		3, 2, 30, 34,				/* Supported: MPTCP, TFO */
		5 | (1 << 3), 1, 0x00,			/* Error 1 */
		7, 3, 0xaa, 0xbb, 0xcc,			/* private 0xc7 */
	};
	static const u8 build_request[] = {
		0xfe,
		0, 0,					/* Info */
		1, 20, 0x00, 0x50, V4(192, 0, 2, 1), 0x1e, 0x02,	/* Connect */
		4, 4, 1, 2, 3, 4,			/* Cookie */
	};
	static u8 buf[MPCONV_CONVERT_MAX_LEN];
	size_t i;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	for (i = 0; i < N_VECTORS; i++)
		put(argv[1], vectors[i].name, vectors[i].buf, vectors[i].len);
	put(argv[1], "max-request", buf, max_request(buf));
	put(argv[1], "max-reply", buf, max_reply(buf));
	put(argv[1], "build-reply", build_reply, sizeof(build_reply));
	put(argv[1], "build-request", build_request, sizeof(build_request));
	return 0;
}
