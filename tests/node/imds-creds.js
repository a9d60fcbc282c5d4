// Fetch instance credentials the way the AWS SDK for JavaScript v3 does
// and print the AccessKeyId and Expiration (never the secret) as JSON.
// Exit 1 with the error message when refused.
'use strict';
const { fromInstanceMetadata } = require('@smithy/credential-provider-imds');

fromInstanceMetadata({ timeout: 2000, maxRetries: 0 })().then(
	(c) => {
		console.log(JSON.stringify({
			accessKeyId: c.accessKeyId,
			expiration: c.expiration,
			hasSecret: typeof c.secretAccessKey === 'string' &&
			    c.secretAccessKey.length === 40,
			hasToken: typeof c.sessionToken === 'string' &&
			    c.sessionToken.length > 0,
		}));
	},
	(e) => {
		console.error(String(e && e.message));
		process.exit(1);
	});
