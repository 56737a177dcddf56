/**
 * Interaction callbacks and the interaction webhook. discord.js calls these without the bot token
 * (`auth: false`): the interaction token in the path is the credential.
 */
import { renderMessage } from '../render.js';
import type { Router } from '../router.js';
import type { RestContext } from './context.js';

export function interactionRoutes(router: Router, ctx: RestContext): void {
  const { hub, store } = ctx;
  const open = { auth: 'none' as const };

  router.post(
    '/interactions/:interaction_id/:interaction_token/callback',
    (req) =>
      hub.callback(
        req.params.interaction_id!,
        req.params.interaction_token!,
        req.body,
        req.files,
        req.query.get('with_response') === 'true',
      ),
    { auth: 'none', globalExempt: true },
  );

  const base = '/webhooks/:webhook_id/:webhook_token';
  router.get(
    `${base}/messages/:message_id`,
    (req) => ({
      status: 200,
      body: hub.getMessage(req.params.webhook_id!, req.params.webhook_token!, req.params.message_id!),
    }),
    open,
  );

  router.patch(
    `${base}/messages/:message_id`,
    (req) => ({
      status: 200,
      body: hub.editMessage(
        req.params.webhook_id!,
        req.params.webhook_token!,
        req.params.message_id!,
        req.body,
        req.files,
      ),
    }),
    open,
  );

  router.delete(
    `${base}/messages/:message_id`,
    (req) => {
      hub.deleteMessage(req.params.webhook_id!, req.params.webhook_token!, req.params.message_id!);
      return { status: 204 };
    },
    open,
  );

  router.post(
    base,
    (req) => {
      const message = hub.followUp(req.params.webhook_id!, req.params.webhook_token!, req.body, req.files);
      // Discord: without ?wait=true a webhook execution answers 204 and no message.
      if (req.query.get('wait') !== 'true') return { status: 204 };
      return { status: 200, body: renderMessage(store, message, { contentVisible: true }) };
    },
    open,
  );
}
