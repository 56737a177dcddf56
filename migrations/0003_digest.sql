CREATE TABLE `digest_notes` (
	`guild_id` text NOT NULL,
	`period` text NOT NULL,
	`voter` text NOT NULL,
	`text` text NOT NULL,
	`at` integer NOT NULL,
	PRIMARY KEY(`guild_id`, `period`, `voter`)
);
--> statement-breakpoint
CREATE INDEX `digest_notes_at` ON `digest_notes` (`guild_id`,`at`);--> statement-breakpoint
CREATE TABLE `digest_pulse` (
	`guild_id` text NOT NULL,
	`period` text NOT NULL,
	`voter` text NOT NULL,
	`answer` text NOT NULL,
	`at` integer NOT NULL,
	PRIMARY KEY(`guild_id`, `period`, `voter`)
);
--> statement-breakpoint
CREATE TABLE `digest_subscribers` (
	`guild_id` text NOT NULL,
	`member_id` text NOT NULL,
	`since` integer NOT NULL,
	PRIMARY KEY(`guild_id`, `member_id`)
);
--> statement-breakpoint
CREATE TABLE `digest_weeks` (
	`guild_id` text NOT NULL,
	`start_at` integer NOT NULL,
	`end_at` integer NOT NULL,
	`computed_at` integer NOT NULL,
	`stats` text NOT NULL,
	PRIMARY KEY(`guild_id`, `start_at`, `end_at`)
);
