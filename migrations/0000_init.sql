CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`guild_id` text NOT NULL,
	`actor_id` text NOT NULL,
	`action` text NOT NULL,
	`before` text,
	`after` text,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `audit_guild` ON `audit_log` (`guild_id`,`at`);--> statement-breakpoint
CREATE TABLE `channels` (
	`guild_id` text NOT NULL,
	`channel_id` text NOT NULL,
	`name` text NOT NULL,
	`kind` text NOT NULL,
	`parent_id` text,
	`topic` text,
	`owner_id` text,
	`tags` text DEFAULT '[]' NOT NULL,
	`archived` integer DEFAULT false NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`guild_id`, `channel_id`)
);
--> statement-breakpoint
CREATE INDEX `channels_parent` ON `channels` (`guild_id`,`parent_id`);--> statement-breakpoint
CREATE TABLE `guilds` (
	`id` text PRIMARY KEY NOT NULL,
	`platform` text NOT NULL,
	`name` text NOT NULL,
	`settings` text DEFAULT '{}' NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `job_runs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`job` text NOT NULL,
	`guild_id` text NOT NULL,
	`period` text NOT NULL,
	`started_at` integer NOT NULL,
	`finished_at` integer,
	`outcome` text NOT NULL,
	`detail` text,
	`lease_until` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `job_runs_period` ON `job_runs` (`job`,`guild_id`,`period`);--> statement-breakpoint
CREATE INDEX `job_runs_recent` ON `job_runs` (`guild_id`,`started_at`);--> statement-breakpoint
CREATE TABLE `members` (
	`guild_id` text NOT NULL,
	`member_id` text NOT NULL,
	`username` text NOT NULL,
	`display_name` text NOT NULL,
	`bot` integer DEFAULT false NOT NULL,
	`moderator` integer DEFAULT false NOT NULL,
	`roles` text DEFAULT '[]' NOT NULL,
	`joined_at` integer,
	`left_at` integer,
	`timezone` text,
	`nudges_off` integer DEFAULT false NOT NULL,
	`profiling_off` integer DEFAULT false NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`guild_id`, `member_id`)
);
--> statement-breakpoint
CREATE INDEX `members_joined` ON `members` (`guild_id`,`joined_at`);--> statement-breakpoint
CREATE TABLE `messages` (
	`guild_id` text NOT NULL,
	`message_id` text NOT NULL,
	`channel_id` text NOT NULL,
	`parent_channel_id` text NOT NULL,
	`author_id` text NOT NULL,
	`reply_to_id` text,
	`mention_ids` text DEFAULT '[]' NOT NULL,
	`created_at` integer NOT NULL,
	`edited_at` integer,
	`deleted_at` integer,
	`terms` text DEFAULT '' NOT NULL,
	`content` text,
	PRIMARY KEY(`guild_id`, `message_id`)
);
--> statement-breakpoint
CREATE INDEX `messages_time` ON `messages` (`guild_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `messages_author` ON `messages` (`guild_id`,`author_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `messages_channel` ON `messages` (`guild_id`,`channel_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `messages_reply` ON `messages` (`guild_id`,`reply_to_id`);--> statement-breakpoint
CREATE TABLE `outbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`platform` text NOT NULL,
	`guild_id` text NOT NULL,
	`key` text NOT NULL,
	`action` text NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`not_before` integer NOT NULL,
	`lease_until` integer,
	`last_error` text,
	`result` text,
	`created_at` integer NOT NULL,
	`finished_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `outbox_key` ON `outbox` (`key`);--> statement-breakpoint
CREATE INDEX `outbox_due` ON `outbox` (`platform`,`status`,`not_before`);--> statement-breakpoint
CREATE TABLE `reactions` (
	`guild_id` text NOT NULL,
	`message_id` text NOT NULL,
	`member_id` text NOT NULL,
	`emoji` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`guild_id`, `message_id`, `member_id`, `emoji`)
);
--> statement-breakpoint
CREATE INDEX `reactions_member` ON `reactions` (`guild_id`,`member_id`);