// SPDX-License-Identifier: GPL-2.0
/*
 * guest-exit: hand an exit status (0..126) to the host through QEMU's
 * isa-debug-exit device. The device makes QEMU exit with (value << 1) | 1;
 * the value written is status + 1, so QEMU exits with 2 * status + 3:
 * 3 for success, never 1, which is also QEMU's own error exit (bad
 * option, missing file), and never above 255. A status outside 0..126
 * or not a number is handed out as 126, no status as 1. Reboots the
 * machine if no such device is present; the host then sees no status
 * and counts the run as failed. scripts/run-guest.sh decodes the status.
 *
 * usage: guest-exit [STATUS]
 */
#include <stdlib.h>
#include <unistd.h>
#include <sys/io.h>
#include <sys/reboot.h>

#define EXIT_PORT 0xf4
#define STATUS_MAX 126

int main(int argc, char **argv)
{
	char *end = NULL;
	long status = argc > 1 ? strtol(argv[1], &end, 0) : 1;

	/* Not a number is a failure, not status 0. */
	if (argc > 1 && (end == argv[1] || *end))
		status = STATUS_MAX;
	if (status < 0 || status > STATUS_MAX)
		status = STATUS_MAX;
	sync();
	if (ioperm(EXIT_PORT, 4, 1) == 0)
		outl(status + 1, EXIT_PORT);
	/* No such device: reboot, which QEMU (-no-reboot) turns into an exit. */
	reboot(RB_AUTOBOOT);
	return 1;
}
