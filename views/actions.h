/*
 * actions.h - the action flow of the dashboard: from a key (or the action
 * menu) to a form for the parameters, a confirmation that says exactly what
 * will happen to which resources, and the engine's tasks.
 */
#ifndef RT_ACTIONS_H
#define RT_ACTIONS_H

#include "views.h"

/* Start `a` on the view's marked rows (or its cursor row; nothing for a create). */
void actions_start(struct dash *d, struct view *v, const struct action_def *a);
/* The menu of every action the cursor row's provider allows. */
void actions_menu(struct dash *d, struct view *v);

#endif
