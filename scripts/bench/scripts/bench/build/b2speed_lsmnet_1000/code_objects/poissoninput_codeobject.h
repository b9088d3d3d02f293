#ifndef _INCLUDED_poissoninput_codeobject
#define _INCLUDED_poissoninput_codeobject

void _run_poissoninput_codeobject();


#endif
