// Read metadata the way @aws-sdk/ec2-metadata-service does: a token, then
// GET of each path given as an argument, printed one value per line. It
// joins its endpoint's "/" and the path, so the requests go out as
// "//latest/...". Exit 1 with the error message when refused.
'use strict';
const { MetadataService } = require('@aws-sdk/ec2-metadata-service');

const svc = new MetadataService({
	httpOptions: { timeout: 2000 },
	retries: 0,
	ec2MetadataV1Disabled: true,
});

(async () => {
	for (const path of process.argv.slice(2))
		console.log(await svc.request(path, {}));
})().catch((e) => {
	console.error(String(e && e.message));
	process.exit(1);
});
