CREATE TABLE `router_models` (
	`guild_id` text PRIMARY KEY NOT NULL,
	`weights` text,
	`learner` text NOT NULL,
	`questions` integer NOT NULL,
	`validation` text NOT NULL,
	`history_until` integer NOT NULL,
	`fitted_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `question_nudges` ADD `answered_at` integer;