/*
 * masked.h - a modal one-line input for secrets (passwords, passphrases),
 * fed one key at a time.
 *
 * The answer lives in a fixed buffer inside the struct, never in a heap
 * buffer that could be reallocated and leave copies behind; masked_wipe()
 * zeroes it.  Nothing here keeps history or logs.  Typed characters are
 * drawn as '*' (or in clear when the asker allows echo, e.g. a
 * keyboard-interactive "Username:" question).
 *
 *     struct masked *m = masked_new("Password for root@10.0.0.4", "Password:", 0);
 *     switch (masked_key(m, ch)) {
 *     case MASKED_SUBMIT: ssh_conn_prompt_reply(c, masked_text(m)); masked_free(m); break;
 *     case MASKED_CANCEL: ssh_conn_prompt_reply(c, NULL); masked_free(m); break;
 *     case MASKED_PENDING: break;
 *     }
 *     cx = masked_draw(m, stdscr, theme, ascii, &cy);       centred box
 *     masked_free(m);                                        wipes, then frees
 *
 * Keys: printable characters append; backspace erases the last character;
 * ctrl-u erases everything; Enter submits; Esc and ctrl-c cancel.
 */
#ifndef RT_MASKED_H
#define RT_MASKED_H

#include <curses.h>

struct theme;
struct masked;

#define MASKED_MAX 1024 /* bytes of answer, including the NUL */

enum masked_result { MASKED_PENDING, MASKED_SUBMIT, MASKED_CANCEL };

/* title and question are copied (untrusted: sanitised when drawn); echo: show the text. */
struct masked *masked_new(const char *title, const char *question, int echo);
/* Wipe and free.  NULL is a no-op. */
void masked_free(struct masked *m);
enum masked_result masked_key(struct masked *m, int ch);
/* The answer typed so far (borrowed; valid until the next key or wipe). */
const char *masked_text(const struct masked *m);
/* Zero the answer. */
void masked_wipe(struct masked *m);
/* Draw centred in w.  Returns the cursor column (*cy: its row). */
int masked_draw(const struct masked *m, WINDOW *w, const struct theme *th, int ascii, int *cy);

#endif
