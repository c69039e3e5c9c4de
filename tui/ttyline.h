/*
 * ttyline.h - ask one line on the controlling terminal (/dev/tty), before or
 * outside curses: passwords, passphrases, host-key questions of the
 * command-line mode.
 *
 *     char pw[256];
 *     if (ttyline_read("Password: ", 0, pw, sizeof pw) == 0) { use(pw); }
 *     explicit_bzero(pw, sizeof pw);
 *
 * The prompt is sanitised before it is written.  With echo == 0 echo is off
 * while reading and restored afterwards, even when reading fails; the
 * caller owns and wipes the buffer.
 */
#ifndef RT_TTYLINE_H
#define RT_TTYLINE_H

#include <stddef.h>

/* 0 with the line (without its newline) in buf, or -1: no terminal, or EOF (buf wiped). */
int ttyline_read(const char *prompt, int echo, char *buf, size_t len);

#endif
