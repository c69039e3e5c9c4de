/*
 * sanitize.h - make any backend string safe to draw, and measure it.
 *
 * Every string that came from a backend (server names, error messages, raw
 * JSON, console titles) goes through here before it reaches curses, so that
 * control characters and escape sequences can never drive the operator's
 * terminal.
 *
 *     char cell[256];
 *     sanitize_into(cell, sizeof cell, name_from_api, ascii);
 *     sanitize_pad(cell, sizeof cell, name_from_api, 20, 0, ascii);  (exactly 20 columns)
 *     char *s = sanitize_dup(msg, ascii); ... free(s);
 *
 * What is removed or replaced:
 *   - ESC sequences (CSI, OSC, DCS, SOS, PM, APC, nF and two-byte escapes)
 *     and C1 controls (U+0080..U+009F) with the whole sequence they
 *     introduce, and the raw 8-bit CSI byte 0x9B with its parameters; other
 *     C0/C1 controls and DEL are dropped;
 *   - TAB, LF, CR, VT, FF, U+2028 and U+2029 become one space (cells are one line);
 *   - bidi embedding/override/isolate controls (U+202A..U+202E, U+2066..U+2069)
 *     and the bidi marks U+200E, U+200F, U+061C are dropped;
 *   - invalid UTF-8 (each maximal invalid subpart) becomes U+FFFD, or '?' in
 *     ASCII mode; in ASCII mode every non-ASCII character becomes '?'.
 * The output never contains a split UTF-8 sequence, even when cut short.
 */
#ifndef RT_SANITIZE_H
#define RT_SANITIZE_H

#include <stddef.h>
#include <stdint.h>

/*
 * Write the sanitised form of src into dst (dstlen bytes, NUL-terminated,
 * cut at a whole character when it does not fit).  dst may be NULL when
 * dstlen is 0.  Returns the length in bytes of the complete sanitised string
 * (like snprintf), so a result >= dstlen means it was cut.  src NULL is "".
 */
size_t sanitize_into(char *dst, size_t dstlen, const char *src, int ascii);
/* The sanitised form of src as a new string (free() it). src NULL gives "". */
char *sanitize_dup(const char *src, int ascii);
/*
 * Display width in terminal columns of a UTF-8 string (wcwidth per
 * character; characters wcwidth cannot measure and invalid bytes count 1).
 * Needs setlocale(LC_ALL, "") in a UTF-8 locale for non-ASCII text.
 */
int sanitize_width(const char *utf8);
/* Columns of one code point, as sanitize_width counts it. */
int sanitize_cp_width(uint32_t cp);
/*
 * Decode one UTF-8 character from s (at most n bytes).  Returns the number of
 * bytes consumed (>= 1 when n >= 1) and sets *cp, or -1 in *cp for an invalid
 * sequence (then the return is the length of its maximal invalid subpart).
 */
size_t sanitize_decode(const char *s, size_t n, int32_t *cp);
/*
 * Sanitise src and cut it to at most `cols` display columns; when something
 * is cut the last column becomes an ellipsis ("…", ASCII mode "~").  Never
 * splits a UTF-8 sequence or a double-width character.  Returns the display
 * width of the result in dst.
 */
int sanitize_truncate(char *dst, size_t dstlen, const char *src, int cols, int ascii);
/*
 * sanitize_truncate() then pad with spaces to exactly `cols` columns, on the
 * right (align_right 0) or on the left.  When dstlen > cols the text is cut
 * early enough that the padding always fits, so the result is exactly `cols`
 * columns (dstlen >= 4 * cols + 1 keeps all text that fits on screen).
 * Returns the length in bytes of dst.
 */
size_t sanitize_pad(char *dst, size_t dstlen, const char *src, int cols, int align_right,
                    int ascii);
/*
 * Skip `cols` display columns of an already sanitised string; returns a
 * pointer into s (the start of the first character not skipped).  A wide
 * character straddling the boundary is skipped whole.
 */
const char *sanitize_skip_cols(const char *s, int cols);

#endif
