CREATE TABLE `discourse_backfill` (
	`guild_id` text PRIMARY KEY NOT NULL,
	`cursor` text NOT NULL,
	`updated_at` integer NOT NULL,
	`finished_at` integer
);
--> statement-breakpoint
CREATE TABLE `discourse_posts` (
	`guild_id` text NOT NULL,
	`post_id` text NOT NULL,
	`topic_id` text NOT NULL,
	`post_number` integer NOT NULL,
	`user_id` text NOT NULL,
	PRIMARY KEY(`guild_id`, `post_id`)
);
--> statement-breakpoint
CREATE UNIQUE INDEX `discourse_posts_number` ON `discourse_posts` (`guild_id`,`topic_id`,`post_number`);--> statement-breakpoint
CREATE TABLE `discourse_users` (
	`guild_id` text NOT NULL,
	`username_lower` text NOT NULL,
	`user_id` text NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`guild_id`, `username_lower`)
);
--> statement-breakpoint
CREATE INDEX `discourse_users_id` ON `discourse_users` (`guild_id`,`user_id`);--> statement-breakpoint
CREATE TABLE `discourse_webhook_keys` (
	`guild_id` text NOT NULL,
	`key` text NOT NULL,
	`event` text NOT NULL,
	`seen_at` integer NOT NULL,
	PRIMARY KEY(`guild_id`, `key`)
);
--> statement-breakpoint
CREATE INDEX `discourse_webhook_keys_seen` ON `discourse_webhook_keys` (`guild_id`,`seen_at`);