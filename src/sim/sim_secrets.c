/* The secrets file: the keys currently handed out, rewritten on every
 * rotation with the ones they replace (valid until they expire), so
 * another test can scan its logs for any of them. Written
 * to a temporary file and renamed, so a reader never sees half. */
#include "config.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/buf.h"
#include "common/log.h"
#include "sim/sim.h"

static void
sim_secrets_add(struct buf *b, const char *prefix, const struct sim_cred *k)
{
	buf_addf(b, "%s_ACCESS_KEY_ID=%s\n", prefix, k->akid);
	buf_addf(b, "%s_SECRET_ACCESS_KEY=%s\n", prefix, k->secret);
	buf_addf(b, "%s_SESSION_TOKEN=%s\n", prefix, k->token);
}

int
sim_secrets_write(const char *path, const struct sim_creds *role,
                  const struct sim_creds *ec2)
{
	struct buf b, tmp;
	int fd, rc = 0;

	buf_init(&b);
	buf_init(&tmp);
	sim_secrets_add(&b, "ROLE", &role->cur);
	sim_secrets_add(&b, "EC2", &ec2->cur);
	/* The keys they replace live on until they expire. */
	if (role->generation > 1)
		sim_secrets_add(&b, "ROLEPREV", &role->prev);
	if (ec2->generation > 1)
		sim_secrets_add(&b, "EC2PREV", &ec2->prev);
	buf_addf(&tmp, "%s.tmp", path);
	fd = open(tmp.data, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd == -1 || write(fd, b.data, b.len) != (ssize_t)b.len ||
	    fsync(fd) != 0 || rename(tmp.data, path) != 0) {
		log_warn("%s", path);
		rc = -1;
	}
	if (fd != -1)
		close(fd);
	buf_free(&b);
	buf_free(&tmp);
	return rc;
}
