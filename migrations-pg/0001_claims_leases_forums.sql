CREATE TABLE "forums" (
	"id" text PRIMARY KEY NOT NULL,
	"guild_id" text NOT NULL,
	"forum_guild_id" text NOT NULL,
	"url" text NOT NULL,
	"title" text NOT NULL,
	"api_username" text NOT NULL,
	"api_key_sealed" text NOT NULL,
	"webhook_secret_sealed" text NOT NULL,
	"connected_by" text NOT NULL,
	"connected_at" bigint NOT NULL,
	"revision" bigint DEFAULT 1 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "job_runs" ADD COLUMN "lease_owner" text;--> statement-breakpoint
ALTER TABLE "outbox" ADD COLUMN "lease_owner" text;--> statement-breakpoint
CREATE UNIQUE INDEX "forums_guild" ON "forums" USING btree ("guild_id");--> statement-breakpoint
CREATE UNIQUE INDEX "forums_forum_guild" ON "forums" USING btree ("forum_guild_id");