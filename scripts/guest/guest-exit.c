// SPDX-License-Identifier: GPL-2.0
/*
 * guest-exit: hand an exit status (0..127) to the host through QEMU's
 * isa-debug-exit device, which makes QEMU exit with (status << 1) | 1.
 * Reboots the machine if no such device is present; the host then sees
 * no status and counts the run as failed.
 *
 * usage: guest-exit [STATUS]
 */
#include <stdlib.h>
#include <unistd.h>
#include <sys/io.h>
#include <sys/reboot.h>

#define EXIT_PORT 0xf4

int main(int argc, char **argv)
{
	long status = argc > 1 ? strtol(argv[1], NULL, 0) : 1;

	if (status < 0 || status > 127)
		status = 127;
	sync();
	if (ioperm(EXIT_PORT, 4, 1) == 0)
		outl(status, EXIT_PORT);
	/* No such device: reboot, which QEMU (-no-reboot) turns into an exit. */
	reboot(RB_AUTOBOOT);
	return 1;
}
