CREATE TABLE `forums` (
	`id` text PRIMARY KEY NOT NULL,
	`guild_id` text NOT NULL,
	`forum_guild_id` text NOT NULL,
	`url` text NOT NULL,
	`title` text NOT NULL,
	`api_username` text NOT NULL,
	`api_key_sealed` text NOT NULL,
	`webhook_secret_sealed` text NOT NULL,
	`connected_by` text NOT NULL,
	`connected_at` integer NOT NULL,
	`revision` integer DEFAULT 1 NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `forums_guild` ON `forums` (`guild_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `forums_forum_guild` ON `forums` (`forum_guild_id`);