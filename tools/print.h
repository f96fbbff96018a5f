/* SPDX-License-Identifier: GPL-2.0 */
/*
 * One output path for human and JSON output: every field is printed through
 * print_*(), which writes either "key": value or the human format.
 */
#ifndef MPCONV_PRINT_H
#define MPCONV_PRINT_H

#include <stdbool.h>
#include <stdint.h>

void print_init(bool json, bool pretty);
bool print_is_json(void);

/* Open/close a JSON object or array; in human mode they print nothing. */
void print_open_object(const char *key);
void print_close_object(void);
void print_open_array(const char *key);
void print_close_array(void);

/*
 * Print one field. @key names it in JSON; @fmt formats it for humans (NULL:
 * JSON only). A NULL @key inside an array prints a bare array element.
 */
void print_string(const char *key, const char *fmt, const char *value);
void print_uint(const char *key, const char *fmt, uint64_t value);
void print_bool(const char *key, const char *fmt, bool value);

/* Human-only text (ignored in JSON mode). */
void print_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* End of the document: ends JSON output, if there was any, with a newline. */
void print_done(void);

#endif
