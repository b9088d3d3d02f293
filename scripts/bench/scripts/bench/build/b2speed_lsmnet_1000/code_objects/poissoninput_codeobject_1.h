#ifndef _INCLUDED_poissoninput_codeobject_1
#define _INCLUDED_poissoninput_codeobject_1

void _run_poissoninput_codeobject_1();


#endif
