CREATE TABLE `cache_generations` (
	`scope` text NOT NULL,
	`guild_id` text NOT NULL,
	`generation` integer NOT NULL,
	PRIMARY KEY(`scope`, `guild_id`)
);
--> statement-breakpoint
CREATE INDEX `cache_generations_generation` ON `cache_generations` (`generation`);