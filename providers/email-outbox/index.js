'use strict';

/**
 * The provider of Strapi's email plugin. Strapi itself sends a few emails (an admin's password
 * reset); they go through the application's outbox like every other email, so they leave from the
 * verified sender by SendGrid, with retries, or stay as previews without a SendGrid key — never
 * through the sendmail binary Strapi would otherwise use.
 */
module.exports = {
  init() {
    return {
      send(options) {
        // `strapi` is the global Strapi sets when it boots; providers receive no other handle on it.
        return strapi.plugin('workflows').service('messages').enqueueStrapiEmail(options);
      },
    };
  },
};
