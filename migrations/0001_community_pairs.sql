CREATE TABLE `community_pairs` (
	`guild_id` text PRIMARY KEY NOT NULL,
	`forum_guild_id` text NOT NULL,
	`paired_by` text NOT NULL,
	`paired_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `community_pairs_forum` ON `community_pairs` (`forum_guild_id`);