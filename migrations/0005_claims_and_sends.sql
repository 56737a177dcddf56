CREATE TABLE `link_attempts` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`guild_id` text,
	`member_id` text,
	`other_guild_id` text NOT NULL,
	`other_member_id` text NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `link_attempts_requester` ON `link_attempts` (`guild_id`,`member_id`,`at`);--> statement-breakpoint
CREATE INDEX `link_attempts_target` ON `link_attempts` (`other_guild_id`,`other_member_id`,`at`);--> statement-breakpoint
CREATE TABLE `discord_sent` (
	`message_id` text PRIMARY KEY NOT NULL,
	`channel_id` text NOT NULL,
	`nonce` text NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `discord_sent_at` ON `discord_sent` (`at`);