/* SPDX-License-Identifier: MIT */
/* nftcmd.c - running nftables commands through libnftables */
#include <nftables/libnftables.h>
#include <string.h>

#include "log.h"
#include "nftcmd.h"

/**
 * nftcmd_open() - a libnftables context with buffered output and errors
 * @who:	the log prefix of the caller: "hostguard"
 *
 * Return: the context (free it with nft_ctx_free()), or NULL (logged)
 */
struct nft_ctx *nftcmd_open(const char *who)
{
	struct nft_ctx *nft = nft_ctx_new(NFT_CTX_DEFAULT);

	if (!nft) {
		log_error("%s: cannot start libnftables", who);
		return NULL;
	}
	if (nft_ctx_buffer_output(nft) || nft_ctx_buffer_error(nft)) {
		log_error("%s: cannot buffer libnftables output", who);
		nft_ctx_free(nft);
		return NULL;
	}
	return nft;
}

/**
 * nftcmd_run() - run nftables commands as one transaction
 * @nft:	context from nftcmd_open()
 * @who:	log prefix
 * @what:	what is being done, for the error: "creating table ..."
 * @cmd:	the commands, nft(8) syntax, one per line
 * @out:	if not NULL, gets their output, valid until the next run
 *
 * Both buffers are read every time, which empties them.
 *
 * Return: 0, or -1 with nftables' first error line logged
 */
int nftcmd_run(struct nft_ctx *nft, const char *who, const char *what,
	       const char *cmd, const char **out)
{
	int rc = nft_run_cmd_from_buffer(nft, cmd);
	const char *o = nft_ctx_get_output_buffer(nft);
	const char *err = nft_ctx_get_error_buffer(nft);
	int len;

	if (out)
		*out = o ? o : "";
	if (!rc)
		return 0;
	if (!err || !*err)
		err = "failed";
	if (!strncmp(err, "Error: ", 7))
		err += 7;
	len = (int)strcspn(err, "\n");
	log_error("%s: nftables: %s: %.*s", who, what, len, err);
	return -1;
}

/**
 * nftcmd_table_exists() - is there a table of that family and name?
 * @nft:	context
 * @who:	log prefix
 * @table:	"FAMILY NAME", as `nft list tables` prints it: "inet tether"
 *
 * Return: 1 if it exists, 0 if not, -1 if nftables cannot tell (logged)
 */
int nftcmd_table_exists(struct nft_ctx *nft, const char *who, const char *table)
{
	size_t n = strlen(table);
	const char *line;

	if (nftcmd_run(nft, who, "listing tables", "list tables", &line))
		return -1;
	for (; line; line = strchr(line, '\n')) {
		line += *line == '\n';
		if (!strncmp(line, "table ", 6) &&
		    !strncmp(line + 6, table, n) &&
		    (line[6 + n] == '\n' || line[6 + n] == '\0'))
			return 1;
	}
	return 0;
}
