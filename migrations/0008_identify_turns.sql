CREATE TABLE `identify_turns` (
	`bucket` integer PRIMARY KEY NOT NULL,
	`next_at` integer NOT NULL,
	`owner` text NOT NULL
);
