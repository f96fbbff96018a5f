// SPDX-License-Identifier: GPL-2.0
/*
 * Human and JSON output through one set of calls.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <inttypes.h>

#include "print.h"

#define MAX_DEPTH 16

static bool json, pretty, started;
static int depth;
static bool first[MAX_DEPTH];

void print_init(bool want_json, bool want_pretty)
{
	json = want_json;
	pretty = want_pretty;
	started = false;
	depth = 0;
	first[0] = true;
}

bool print_is_json(void)
{
	return json;
}

static void indent(void)
{
	int i;

	if (!pretty)
		return;
	putchar('\n');
	for (i = 0; i < depth; i++)
		fputs("  ", stdout);
}

static void json_string(const char *s)
{
	const unsigned char *p;

	putchar('"');
	for (p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", stdout);
			break;
		case '\\':
			fputs("\\\\", stdout);
			break;
		case '\n':
			fputs("\\n", stdout);
			break;
		case '\t':
			fputs("\\t", stdout);
			break;
		default:
			if (*p < 0x20)
				printf("\\u%04x", *p);
			else
				putchar(*p);
		}
	}
	putchar('"');
}

/* Separator and key before a JSON value. */
static void json_key(const char *key)
{
	started = true;
	if (depth > 0) {
		if (!first[depth])
			putchar(',');
		first[depth] = false;
		indent();
	}
	if (key) {
		json_string(key);
		fputs(pretty ? ": " : ":", stdout);
	}
}

static void json_open(const char *key, char c)
{
	if (!json)
		return;
	json_key(key);
	putchar(c);
	if (depth < MAX_DEPTH - 1)
		depth++;
	first[depth] = true;
}

static void json_close(char c)
{
	bool empty;

	if (!json)
		return;
	empty = first[depth];
	if (depth > 0)
		depth--;
	if (!empty)
		indent();
	putchar(c);
}

void print_open_object(const char *key)
{
	json_open(key, '{');
}

void print_close_object(void)
{
	json_close('}');
}

void print_open_array(const char *key)
{
	json_open(key, '[');
}

void print_close_array(void)
{
	json_close(']');
}

void print_string(const char *key, const char *fmt, const char *value)
{
	if (json) {
		json_key(key);
		json_string(value);
	} else if (fmt) {
		printf(fmt, value);
	}
}

void print_uint(const char *key, const char *fmt, uint64_t value)
{
	if (json) {
		json_key(key);
		printf("%" PRIu64, value);
	} else if (fmt) {
		printf(fmt, value);
	}
}

void print_bool(const char *key, const char *fmt, bool value)
{
	if (json) {
		json_key(key);
		fputs(value ? "true" : "false", stdout);
	} else if (fmt) {
		printf(fmt, value ? "yes" : "no");
	}
}

void print_text(const char *fmt, ...)
{
	va_list ap;

	if (json)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}

void print_done(void)
{
	if (json && started)
		putchar('\n');
	started = false;
	fflush(stdout);
}
