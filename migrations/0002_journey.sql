CREATE TABLE `journey_members` (
	`guild_id` text NOT NULL,
	`member_id` text NOT NULL,
	`stage` text NOT NULL,
	`stage_at` integer NOT NULL,
	`joined_at` integer,
	`message_count` integer DEFAULT 0 NOT NULL,
	`counters` text DEFAULT '{}' NOT NULL,
	`first_message_id` text,
	`first_message_channel_id` text,
	`first_message_opens_thread` integer DEFAULT false NOT NULL,
	`first_reply_by` text,
	`welcomed_at` integer,
	`last_contact_at` integer,
	`pending_stage` text,
	`pending_due_at` integer,
	`nudged_stage` text,
	`nudged_at` integer,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`guild_id`, `member_id`)
);
--> statement-breakpoint
CREATE INDEX `journey_members_stage` ON `journey_members` (`guild_id`,`stage`);--> statement-breakpoint
CREATE INDEX `journey_members_joined` ON `journey_members` (`guild_id`,`joined_at`);--> statement-breakpoint
CREATE INDEX `journey_members_pending` ON `journey_members` (`guild_id`,`pending_due_at`);--> statement-breakpoint
CREATE TABLE `journey_milestones` (
	`guild_id` text NOT NULL,
	`member_id` text NOT NULL,
	`stage` text NOT NULL,
	`reached_at` integer NOT NULL,
	PRIMARY KEY(`guild_id`, `member_id`, `stage`)
);
--> statement-breakpoint
CREATE INDEX `journey_milestones_reached` ON `journey_milestones` (`guild_id`,`stage`,`reached_at`);--> statement-breakpoint
CREATE TABLE `journey_solved` (
	`guild_id` text NOT NULL,
	`message_id` text NOT NULL,
	`member_id` text NOT NULL,
	`by_member_id` text NOT NULL,
	`via` text NOT NULL,
	`at` integer NOT NULL,
	PRIMARY KEY(`guild_id`, `message_id`)
);
--> statement-breakpoint
CREATE INDEX `journey_solved_member` ON `journey_solved` (`guild_id`,`member_id`);--> statement-breakpoint
ALTER TABLE `discourse_users` ADD `username` text NOT NULL;