/*
 * ttyline.c - one line from /dev/tty (see ttyline.h).  No global state.
 */
#include "ttyline.h"

#include "tui/sanitize.h"

#include <fcntl.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

int ttyline_read(const char *prompt, int echo, char *buf, size_t len)
{
    int fd = open("/dev/tty", O_RDWR | O_CLOEXEC);
    struct termios old, quiet;
    char clean[1024];
    size_t n = 0;
    int restore = 0, rc = 0;

    if (len == 0)
        return -1;
    buf[0] = '\0';
    if (fd < 0)
        return -1;
    /* Echo goes off before the prompt shows: whoever answers it (a person
     * or a program) never sees it while typed-ahead text is still echoed,
     * and TCSAFLUSH drops only what was typed before the question. */
    if (!echo && tcgetattr(fd, &old) == 0) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
        quiet.c_lflag |= ICANON;
        restore = tcsetattr(fd, TCSAFLUSH, &quiet) == 0;
    }
    sanitize_into(clean, sizeof clean, prompt, 0);
    (void)!write(fd, clean, strlen(clean));
    for (;;) {
        char ch;
        ssize_t r = read(fd, &ch, 1);
        if (r <= 0) {
            rc = -1;
            break;
        }
        if (ch == '\n' || ch == '\r')
            break;
        if (n + 1 < len)
            buf[n++] = ch;
    }
    buf[n] = '\0';
    if (restore) {
        tcsetattr(fd, TCSAFLUSH, &old);
        (void)!write(fd, "\n", 1);
    }
    close(fd);
    if (rc < 0)
        explicit_bzero(buf, len);
    return rc;
}
