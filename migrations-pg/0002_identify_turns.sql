CREATE TABLE "identify_turns" (
	"bucket" bigint PRIMARY KEY NOT NULL,
	"next_at" bigint NOT NULL,
	"owner" text NOT NULL
);
