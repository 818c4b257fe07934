-- The board order within a project (column left to right, position, number) as
-- an index, so that a page of a project's task list is read from the index
-- rather than by sorting every task of the project. The column expression must
-- stay identical to `COLUMN` in src/task_list.rs for SQLite to use this index.
CREATE INDEX tasks_board_order ON tasks(
    project_id,
    (CASE status WHEN 'backlog' THEN 0 WHEN 'todo' THEN 1
        WHEN 'in_progress' THEN 2 WHEN 'in_review' THEN 3 WHEN 'blocked' THEN 4
        WHEN 'done' THEN 5 ELSE 6 END),
    position,
    number
);
