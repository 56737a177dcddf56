CREATE TABLE `sync_cursors` (
	`guild_id` text NOT NULL,
	`scope` text NOT NULL,
	`synced_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`guild_id`, `scope`)
);
